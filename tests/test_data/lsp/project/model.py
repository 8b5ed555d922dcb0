from dataclasses import dataclass


@dataclass
class ModelConfig:
    d_model: int = 512
    num_heads: int = 8
    d_ff: int = 2048
    unrelated: int = 1


D_MODEL = 512


def width(config: ModelConfig) -> int:
    return config.d_model * config.d_ff
