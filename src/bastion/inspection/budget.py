"""Counting what an inspection has decompressed, across every level of nesting."""

from __future__ import annotations

from bastion.inspection.errors import BudgetExceededError
from bastion.inspection.limits import InspectionLimits


class Budget:
    """Members and decompressed bytes seen so far, refused as soon as a cap is passed.

    One budget is shared by a file and every archive nested in it, so nesting cannot multiply
    what an attacker gets to make us decompress (the 42.zip construction).
    """

    def __init__(self, limits: InspectionLimits, compressed_size: int) -> None:
        self.limits = limits
        self.compressed_size = max(compressed_size, 1)
        self.members = 0
        self.total_bytes = 0

    def add_member(self) -> None:
        """Count one more member.

        Raises:
            BudgetExceededError: more members than `max_members`.
        """
        self.members += 1
        if self.members > self.limits.max_members:
            raise BudgetExceededError(
                f"the archive has more than {self.limits.max_members} members"
            )

    def consume(self, size: int) -> None:
        """Charge `size` decompressed bytes.

        Raises:
            BudgetExceededError: past the total cap, or past the compression ratio cap.
        """
        self.total_bytes += size
        limits = self.limits
        if self.total_bytes > limits.max_total_bytes:
            raise BudgetExceededError(
                f"the archive decompresses to more than {limits.max_total_bytes} bytes"
            )
        self.check_ratio(self.total_bytes, self.compressed_size)

    def check_ratio(self, decompressed: int, compressed: int) -> None:
        """Refuse a stream that has made `decompressed` bytes out of `compressed` so far.

        Checked on the running totals of each stream and member as well as on the whole file,
        so a bomb is caught after `ratio_floor_bytes`, not after the total cap.

        Raises:
            BudgetExceededError: past the floor, and past the ratio cap.
        """
        limits = self.limits
        if decompressed > limits.ratio_floor_bytes and decompressed > limits.max_ratio * max(
            compressed, 1
        ):
            raise BudgetExceededError(
                "the archive decompresses to more than "
                f"{limits.max_ratio} times its size (a compression bomb)"
            )
