"""How long one very large note takes to build, and the memory it needs.

    .venv/bin/python bench/big_note.py [--sizes 1 4 20] [--timeout 600]

For each size (MiB) a site with one note of about that size is written to a temporary
folder and built once, cold (a new --cache-dir, --jobs 1), under GNU time. The note
repeats a block of what notes hold: a heading, Chinese and English text with inline
math, a display formula, a code block, a nested list, a quote and a table. Printed per
size: the note's bytes, seconds, the peak RSS of the largest process (MiB), the stage
lines the build printed, and whether it finished before --timeout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import GNU_TIME, gnu_time_works, load_text, notesite_command, notesite_env

CONFIG = """\
title: {zh: 大笔记}
base_url: https://example.github.io/notes/
default_language: zh
timezone: Asia/Shanghai
languages:
  zh: {name: 中文, locale: zh-CN}
categories:
  rl: {zh: 强化学习}
"""

BLOCK = """
## 第 {i} 节：策略梯度

策略梯度定理说明 $\\nabla_\\theta J(\\theta) = \\mathbb{{E}}[G_t \\nabla \\log \\pi(a|s)]$，
其中 $G_t$ 是回报。English words with **bold**, *emphasis* and a [link](https://example.com/{i}).

$$
V(s) = \\max_a \\sum_{{s'}} P(s'|s,a) [R + \\gamma V(s')]
$$

```python
def update(theta, grad, lr=0.01):
    return theta + lr * grad  # step {i}
```

- 第一点：价值函数
  - 嵌套的列表项 `code`
- 第二点：$Q(s,a)$

> 时序差分学习结合了蒙特卡洛和动态规划的思想。

| 算法 | 公式 |
|---|---|
| TD | $V \\leftarrow V + \\alpha \\delta$ |
"""


def write_site(root: Path, mebibytes: float) -> int:
    """A site with one note of about `mebibytes`; returns the note's size in bytes."""
    note = root / "content/posts/rl/big.md"
    note.parent.mkdir(parents=True)
    (root / "notesite.yaml").write_text(CONFIG, encoding="utf-8")
    parts = ["---\ntitle: 大笔记\ndate: 2026-01-11\n---\n"]
    size, i = len(parts[0].encode()), 0
    while size < mebibytes * 2**20:
        parts.append(BLOCK.format(i=i))
        size += len(parts[-1].encode())
        i += 1
    note.write_text("".join(parts), encoding="utf-8")
    return size


def measure(work: Path, mebibytes: float, timeout: float) -> None:
    site = work / f"site-{mebibytes}"
    size = write_site(site, mebibytes)
    command = [*notesite_command(), "build", "--source", str(site), "--jobs", "1"]
    command += ["--output", str(work / f"out-{mebibytes}"), "--cache-dir", str(work / "cache")]
    peak_file = work / f"peak-{mebibytes}"
    if gnu_time_works():
        command = [str(GNU_TIME), "-o", str(peak_file), "-f", "%M", *command]
    started = time.perf_counter()
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, env=notesite_env(), timeout=timeout
        )
    except subprocess.TimeoutExpired:
        print(f"{mebibytes:>5} MiB ({size:,} bytes): not finished in {timeout:.0f} s")
        return
    seconds = time.perf_counter() - started
    peak = f"{int(peak_file.read_text().split()[-1]) / 1024:.0f} MiB" if peak_file.exists() else "?"
    status = "ok" if run.returncode == 0 else f"exit {run.returncode}: {run.stderr[-300:]}"
    print(f"{mebibytes:>5} MiB ({size:,} bytes): {seconds:.1f} s, peak RSS {peak}, {status}")
    for line in run.stdout.splitlines():
        print(f"        {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 20])
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load {load_text()}")
    with tempfile.TemporaryDirectory(prefix="notesite-big-") as tmp:
        for mebibytes in args.sizes:
            measure(Path(tmp), mebibytes, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
