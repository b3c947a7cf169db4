"""The kit's demo app: a small notes board, written the way a real small Flask app is."""
