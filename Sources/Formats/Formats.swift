// Module Formats: see DESIGN.md §2.
