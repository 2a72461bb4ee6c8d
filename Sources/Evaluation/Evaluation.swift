// Module Evaluation: see DESIGN.md §2.
