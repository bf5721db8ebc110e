/// Session recordings.
