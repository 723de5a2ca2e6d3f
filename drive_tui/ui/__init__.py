"""The Textual app: screens, widgets and their styles. Talks to the store only through its functions."""
