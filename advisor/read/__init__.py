"""Read stage: bytes in, parsed documents (or a `ParseFailure` fact) out. No detection here."""
