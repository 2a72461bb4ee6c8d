print("echox")
