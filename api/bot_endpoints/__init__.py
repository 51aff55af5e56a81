"""The bot's side door: the NLG endpoint Rasa renders every reply with, and the endpoints its actions call."""
