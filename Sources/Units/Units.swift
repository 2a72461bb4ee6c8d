// Module Units: see DESIGN.md §2.
