"""Where a tensor job runs: CPU tensors, a real GPU, or CPU tensors on a worker that pretends
to have a GPU (GRADER_FAKE_GPU, tests only). The in-sandbox harness (`gpu_timing.py`) stands
alone and spells "cuda" itself."""

CPU_DEVICE = "cpu"
CUDA_DEVICE = "cuda"
FAKE_GPU_DEVICE = "fake-gpu"
