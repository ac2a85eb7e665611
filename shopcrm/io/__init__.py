"""Files in and out: spreadsheets, CSV, vCard, summaries. Never imports Qt widgets."""
