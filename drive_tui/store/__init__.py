"""The local store: an SQLCipher database under SQLModel, its keys, and the operations on cases and assessments."""
