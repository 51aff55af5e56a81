"""Case API for the inburgering assistant: people, appointments, attendance, messaging and the staff UI."""
