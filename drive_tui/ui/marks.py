"""The style of a mark that needs acting on — an overdue assessment, a caseload over the guide, a source that must
never be told to the Service User, a risk that went up — chosen to stay readable when Textual draws in grey.

With ``NO_COLOR`` Textual turns each colour into its luminance: the terminal's red became a grey of 59 on a
background of 18–39, so an overdue assessment all but vanished (found in tmux, 80×24). This red keeps a contrast
of over 4.5:1 in grey on the dark themes' backgrounds, and every such mark says what it is in words or a glyph too.
"""

ALERT = "bold #ff6e6e"
