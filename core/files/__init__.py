"""Reading and writing files: images (Pillow, bounded), JSON documents, atomic writes."""
