"""Receptive fields of convolutional feature maps, for the card: the window of the input each unit of a
map can see. The nets here are square, so one axis says it all: unit i of a map sees input pixels
starts[i] <= p < ends[i]. Each layer maps a unit to the units below it that it reads (the recurrence the
AlexNet chapter derives, r += (k - 1) j, j *= s, done unit by unit), so windows come out exact, clipped to
the image where a layer reads padding. tests/fixtures/receptive-fields.json holds the windows autograd finds
(training/receptive_fixture.py); the site's tests compare the cards with it.
"""


class Field:
    """The input window of every unit of a map along one axis: lists of first and past-the-end pixels."""

    def __init__(self, starts, ends):
        self.starts, self.ends = list(starts), list(ends)

    @classmethod
    def image(cls, n):
        return cls(range(n), range(1, n + 1))

    def _gather(self, reads, n_out):
        """Unit u of the new map reads units reads(u) (a range, cut to the map: padding reads nothing)."""
        n = len(self.starts)
        spans = [[i for i in reads(u) if 0 <= i < n] for u in range(n_out)]
        return Field([self.starts[s[0]] for s in spans], [self.ends[s[-1]] for s in spans])

    def conv(self, kernel, stride=1, padding=0):
        """A convolution or pooling window (PyTorch's output size, floor mode)."""
        n_out = (len(self.starts) + 2 * padding - kernel) // stride + 1
        return self._gather(lambda u: range(u * stride - padding, u * stride - padding + kernel), n_out)

    def resize(self, n_out):
        """Bilinear resampling to n_out units (half-pixel centres, align_corners=False): unit u blends the
        two source units around (u + 0.5) * n / n_out - 0.5, clamped at 0 as PyTorch does (a position on a
        unit gives the next one weight 0)."""
        n = len(self.starts)

        def reads(u):
            c = max((u + 0.5) * n / n_out - 0.5, 0.0)
            return range(int(c), int(c) + (1 if c == int(c) else 2))
        return self._gather(reads, n_out)

    def union(self, other):
        """Two maps of the same size concatenated (a skip connection): each unit sees both windows."""
        assert len(self.starts) == len(other.starts), "a union needs maps of the same size"
        return Field(map(min, self.starts, other.starts), map(max, self.ends, other.ends))

    def card(self):
        return {"starts": self.starts, "ends": self.ends}
