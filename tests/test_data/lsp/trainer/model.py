def forward(step: int, fail: bool) -> float:
    width = 512
    if fail and step == 3:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (4x{width} and 256x10)")
    return 2.0 / step
