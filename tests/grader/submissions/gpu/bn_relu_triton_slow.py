# Correct, unfused and one channel at a time.
import torch


def bn_relu_inference(x, weight, bias, running_mean, running_var, eps=1e-5):
    out = torch.empty_like(x)
    for c in range(x.shape[1]):
        normalized = (x[:, c] - running_mean[c]) / torch.sqrt(running_var[c] + eps)
        out[:, c] = torch.relu(normalized * weight[c] + bias[c])
    return out
