# Forgets the ReLU: batch norm alone.
import torch


def bn_relu_inference(x, weight, bias, running_mean, running_var, eps=1e-5):
    scale = weight / torch.sqrt(running_var + eps)
    shift = bias - running_mean * scale
    shape = [1, -1] + [1] * (x.dim() - 2)
    return x * scale.view(shape) + shift.view(shape)
