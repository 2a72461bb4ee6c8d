// Module NN: see DESIGN.md §2.
