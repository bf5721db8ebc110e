print("escort-bench")
