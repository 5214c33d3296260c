"""Text handling every step shares: Unicode normalisation with its offset map, folding."""
