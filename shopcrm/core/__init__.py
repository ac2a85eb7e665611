"""Domain rules: customers, phones, text folding, segments, care. Never imports Qt."""
