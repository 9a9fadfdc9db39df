"""Stores capability: merchants manage stores (pickup points); shoppers find the nearest ones."""
