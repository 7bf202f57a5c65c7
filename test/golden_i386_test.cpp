// PLACEHOLDER: replaced by the i386 golden table.
