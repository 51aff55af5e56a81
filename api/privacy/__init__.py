"""The person's rights and how long we keep their data (docs/privacy.md).

`retention` holds the rules (what is kept until when), `holdings` finds every row about a person,
`purge` is the worker's daily job, `export` and `erasure` answer AVG art. 15 and 17, and `tracker_store`
reaches Rasa's SQL tracker store to delete what Rasa keeps of a conversation.
"""
