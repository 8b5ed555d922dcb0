"""Library-call contracts (tools/diagnose/rules_calls.py) on programs other than the held-out cases they were
generalised from: other spellings (functional vs module forms, keywords, other layers), and the cases where a
rule must pass the error on. No torch needed: real tracebacks' text over small sources."""

from __future__ import annotations

import ast
import textwrap

from mlintern.tools.diagnose.apply import apply_edits
from mlintern.tools.diagnose.engine import diagnose_text


def _diagnose(
    ws, source: str, line: int, error: str, code: str | None = None, function: str = "<module>"
) -> dict:
    source = textwrap.dedent(source)
    (ws.root / "job.py").write_text(source)
    code = code if code is not None else source.splitlines()[line - 1].strip()
    log = (
        "Traceback (most recent call last):\n"
        f'  File "/home/user/proj/job.py", line {line}, in {function}\n'
        f"    {code}\n"
        f"{error}\n"
    )
    return diagnose_text(log, ws.root)


def _apply(ws, fix: dict) -> str:
    apply_edits(ws, fix["edits"])
    text = (ws.root / "job.py").read_text()
    ast.parse(text)  # every fix leaves valid Python
    return text


def test_ctc_module_form_is_transposed_to_time_first(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        ctc = torch.nn.CTCLoss(blank=0)
        out = model(x).log_softmax(2)
        loss = ctc(out, targets, in_lens, tgt_lens)
        """,
        5,
        "RuntimeError: input_lengths must be of size batch_size",
    )
    assert d["category"] == "ctc_layout"
    assert "loss = ctc(out.transpose(0, 1), targets, in_lens, tgt_lens)" in _apply(workspace, d["fixes"][0])


def test_pack_sequence_gets_enforce_sorted_false(workspace):
    d = _diagnose(
        workspace,
        """
        from torch.nn.utils.rnn import pack_sequence
        packed = pack_sequence(seqs, enforce_sorted=True)
        """,
        3,
        "RuntimeError: `lengths` array must be sorted in decreasing order when `enforce_sorted` is True.",
    )
    assert "pack_sequence(seqs, enforce_sorted=False)" in _apply(workspace, d["fixes"][0])


def test_functional_gather_and_scatter_get_the_index_rank(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        picked = torch.gather(logp, 1, labels)
        """,
        3,
        "RuntimeError: Index tensor must have the same number of dimensions as input tensor",
    )
    assert "torch.gather(logp, 1, labels.unsqueeze(1)).squeeze(1)" in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        import torch
        onehot = torch.zeros(n, k).scatter_(1, y, 1.0)
        """,
        3,
        "RuntimeError: Index tensor must have the same number of dimensions as self tensor",
    )
    assert [f["title"] for f in d["fixes"]] == ["Give the index the input's rank: y.unsqueeze(1)"]
    assert "scatter_(1, y.unsqueeze(1), 1.0)" in _apply(workspace, d["fixes"][0])


def test_padding_mask_polarity_is_read_from_where_the_mask_is_built(workspace):
    src = """
    import torch
    pad_mask = (ids == PAD).long()
    h = encoder(x, src_key_padding_mask=pad_mask)
    """
    d = _diagnose(
        workspace,
        src,
        4,
        "AssertionError: only bool and floating types of src_key_padding_mask are supported",
    )
    assert d["fixes"][0]["title"].startswith("Pass the mask as bool")  # 1 = padding already: only the dtype
    keep = src.replace("(ids == PAD)", "(ids != PAD)")
    d = _diagnose(
        workspace,
        keep,
        4,
        "AssertionError: only bool and floating types of src_key_padding_mask are supported",
    )
    assert "src_key_padding_mask=pad_mask == 0" in _apply(workspace, d["fixes"][0])  # 1 = keep: inverted


def test_unexpected_keyword_of_a_library_class_is_removed_but_not_of_the_projects_own(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        opt = torch.optim.AdamW(params, lr=1e-3, nesterov=True)
        """,
        3,
        "TypeError: AdamW.__init__() got an unexpected keyword argument 'nesterov'",
    )
    assert "opt = torch.optim.AdamW(params, lr=1e-3)" in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        def build(width):
            return width
        net = build(width=3, depth=2)
        """,
        4,
        "TypeError: build() got an unexpected keyword argument 'depth'",
    )
    assert d["category"] != "unexpected_keyword"  # the project's own signature may be what is wrong


def test_plateau_scheduler_gets_the_validation_metric(workspace):
    d = _diagnose(
        workspace,
        """
        for epoch in range(3):
            train_loss = train()
            val_acc = evaluate()
            sched.step()
        """,
        5,
        "TypeError: ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'",
    )
    assert "sched.step(val_acc)" in _apply(workspace, d["fixes"][0])


def test_inplace_on_parameter_outside_forward_runs_under_no_grad_inside_forward_it_does_not(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        opt.step()
        model.weight.data.clamp_(0)
        model.scale.mul_(0.5)
        """,
        5,
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
    )
    text = _apply(workspace, d["fixes"][0])
    assert "with torch.no_grad():\n    model.scale.mul_(0.5)" in text
    d = _diagnose(
        workspace,
        """
        import torch
        class M(torch.nn.Module):
            def forward(self, x):
                self.w.add_(x)
                return self.w
        """,
        5,
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        function="forward",
    )
    assert d["category"] != "inplace_on_leaf"


def test_checkpoint_wrapper_and_weights_only(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        net.load_state_dict(torch.load(path, map_location="cpu"))
        """,
        3,
        'RuntimeError: Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc.weight", '
        '"fc.bias". \n\tUnexpected key(s) in state_dict: "epoch", "optimizer", "state_dict", "best_acc". ',
    )
    assert d["category"] == "state_dict_mismatch"
    assert 'torch.load(path, map_location="cpu")["state_dict"]' in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        import torch
        ckpt = torch.load("ckpt.pt")
        """,
        3,
        "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded.\n"
        "WeightsUnpickler error: Unsupported global: GLOBAL omegaconf.dictconfig.DictConfig was not an allowed "
        "global by default.",
    )
    text = _apply(workspace, d["fixes"][0])
    assert "torch.serialization.add_safe_globals([omegaconf.dictconfig.DictConfig])" in text
    assert d["fixes"][-1]["title"].endswith("(only for a file you trust)")  # the project saves nothing itself


def test_one_hot_takes_the_class_count_and_batchnorm_gets_features_first(workspace):
    d = _diagnose(
        workspace,
        """
        import torch.nn.functional as F
        N_LABELS = 6
        y1h = F.one_hot(labels).float()
        loss = crit(logits, y1h)
        """,
        5,
        "ValueError: Target size (torch.Size([8, 5])) must be the same as input size (torch.Size([8, 6]))",
    )
    assert "F.one_hot(labels, num_classes=N_LABELS)" in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        import torch.nn as nn
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(100, 32)
                self.bn = nn.BatchNorm1d(32)
            def forward(self, ids):
                e = self.emb(ids)
                return self.bn(e)
        """,
        10,
        "RuntimeError: running_mean should contain 7 elements not 32",
        function="forward",
    )
    assert "return self.bn(e.transpose(1, 2)).transpose(1, 2)" in _apply(workspace, d["fixes"][0])


def test_weight_dtype_bag_offsets_and_transposed_conv_padding(workspace):
    d = _diagnose(
        workspace,
        """
        import torch
        w = torch.tensor(freqs, dtype=torch.float64)
        loss = torch.nn.functional.cross_entropy(out, y, weight=w)
        """,
        4,
        "RuntimeError: expected scalar type Float but found Double",
    )
    assert "w = torch.tensor(freqs, dtype=torch.float32)" in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        import torch.nn.functional as F
        pooled = F.embedding_bag(ids2d, table, offs, mode="sum")
        """,
        3,
        "ValueError: if input is 2D, then offsets has to be None, as input is treated is a mini-batch",
    )
    assert 'F.embedding_bag(ids2d, table, mode="sum")' in _apply(workspace, d["fixes"][0])
    d = _diagnose(
        workspace,
        """
        import torch.nn as nn
        up = nn.ConvTranspose1d(16, 1, kernel_size=5, stride=2, padding=2)
        loss = nn.functional.l1_loss(up(z), wave)
        """,
        4,
        "RuntimeError: The size of tensor a (63) must match the size of tensor b (64) at non-singleton dimension 2",
    )
    assert "nn.ConvTranspose1d(16, 1, kernel_size=5, stride=2, padding=2, output_padding=1)" in _apply(
        workspace, d["fixes"][0]
    )


def test_head_after_a_bidirectional_rnn_is_sized_twice_its_hidden_size(workspace):
    d = _diagnose(
        workspace,
        """
        import torch.nn as nn
        class Tagger(nn.Module):
            def __init__(self, opts):
                super().__init__()
                self.lstm = nn.LSTM(opts.emb, opts.units, bidirectional=True, batch_first=True)
                self.out = nn.Linear(opts.units, opts.tags)
            def forward(self, x):
                h, _ = self.lstm(x)
                return self.out(h)
        """,
        10,
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (80x64 and 32x9)",
        function="forward",
    )
    assert "self.out = nn.Linear(2 * opts.units, opts.tags)" in _apply(workspace, d["fixes"][0])
