"""Splitting the county pools' total target among districts (largest remainders, at least 1 each)."""

from fractions import Fraction


def split_targets(total: int, weights: dict[str, int], minimum: int = 1) -> dict[str, int]:
    """Proportional to `weights`, every key gets at least `minimum`, and the parts sum to exactly `total`.

    Hamilton's method on what is left after the minimums, so a district with no eligible firms still gets
    its floor and the rest is shared by the eligible counts; exact fractions avoid float drift at 45,000.
    """
    keys = sorted(weights)
    if not keys:
        raise ValueError("没有可分配的区县")
    if total < minimum * len(keys):
        raise ValueError(f"总目标{total}不足以给每个区县至少{minimum}家")
    if any(w < 0 for w in weights.values()):
        raise ValueError("权重不能为负数")
    rest = total - minimum * len(keys)
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        shares = {k: Fraction(rest, len(keys)) for k in keys}
    else:
        shares = {k: Fraction(rest * weights[k], weight_sum) for k in keys}
    parts = {k: int(shares[k]) for k in keys}
    leftover = rest - sum(parts.values())
    by_remainder = sorted(keys, key=lambda k: (-(shares[k] - parts[k]), -weights[k], k))
    for k in by_remainder[:leftover]:
        parts[k] += 1
    return {k: parts[k] + minimum for k in keys}
