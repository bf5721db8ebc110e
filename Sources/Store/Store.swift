/// Storage protocols shared by every backend.
