"""mlintern's capabilities as plain, typed Python. No protocol imports here."""
