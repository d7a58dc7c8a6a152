"""Shared pieces of every training script: data, the training loop, ONNX export and the model card."""
