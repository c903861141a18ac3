"""fedlearn-edu's Flower App (lesson 09)."""
