/// A small English text for training tests: plain sentences about speech and language models.
enum TinyText {
    static let paragraphs = """
    A speech model listens to a question and answers it. The answer is text first, and then the text is spoken.
    When the model speaks, it turns words into small units of sound, and the units into a waveform.
    A language model reads one token at a time and guesses the next one. It learns from many examples of text.
    The loss tells how surprised the model is by the next token. A falling loss means the model is learning.
    Training repeats the same steps: read a batch, compute the loss, follow the gradient, update the weights.
    The optimiser keeps a running mean of the gradient and of its square, and takes careful steps downhill.
    A small model can learn the spelling of common words and the rhythm of short sentences in a few minutes.
    The teacher plays the sound, and the students hear how the units become speech again.
    Every question has an answer, and every answer can be spoken in a clear and friendly voice.
    The echo of the answer is the speech that the model makes from its own words.
    When the text changes, the speech changes with it, and the meaning stays the same.
    A good tool lets people look inside the model, step by step, and see what it has learned.
    """
}
