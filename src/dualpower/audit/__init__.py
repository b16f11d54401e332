"""The audit log (DESIGN.md 2.8): canonical JSON, the hash chain, the Merkle tree, verification.

Pure functions over entries; the store keeps the table and the published tree heads, and the CLI
and the web call `verify`.
"""
