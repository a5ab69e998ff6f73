"""The audit trail every change writes: its table, its hash chain and the writer."""
