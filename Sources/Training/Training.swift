// Module Training: see DESIGN.md §2.
