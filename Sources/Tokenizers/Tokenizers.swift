// Module Tokenizers: see DESIGN.md §2.
