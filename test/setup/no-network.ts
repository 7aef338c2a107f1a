// Placeholder so the unit project can start; the no-network guard is to be written by its owner.
export {};
