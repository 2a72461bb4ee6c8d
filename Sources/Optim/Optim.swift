// Module Optim: see DESIGN.md §2.
