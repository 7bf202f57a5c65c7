"""The OpenGL ufunc: a numba @vectorize function that draws arrows by
calling OpenGL's glVertex3f and glColor3f (ctypes functions, through ctabi
thunks) for every element of numpy arrays of arrow origins and offsets.

    PYOPENGL_PLATFORM=osmesa python examples/gl_arrows.py [out.png]

renders a vector field headless with Mesa's OSMesa (Debian: libosmesa6;
PyPI: PyOpenGL, numba) and writes examples/gl_arrows.png. The same arrows
drawn by calling PyOpenGL's glVertex3f from a plain Python loop give the
same pixels (test/python/test_gl_arrows.py checks it).

The one line that matters:

    glVertex3f = ctabi.thunk(GL.glVertex3f)

ctabi.thunk takes PyOpenGL's function object as it is (a lazy wrapper around
a ctypes function pointer) and numba calls the thunk like any C function.
"""

import math
import os
import struct
import sys
import zlib

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from OpenGL import GL, arrays, osmesa  # noqa: E402

import ctabi  # noqa: E402

glVertex3f = ctabi.thunk(GL.glVertex3f)
glColor3f = ctabi.thunk(GL.glColor3f)

# An arrow: a shaft (two triangles) from the origin to 70% of the offset,
# and a head (one triangle) from there to the tip.
SHAFT = 0.7
HALF_WIDTH = 0.06  # of the shaft, relative to the arrow's length
HEAD_HALF_WIDTH = 0.18


@numba.njit
def _hue(angle):
    """An RGB colour for a direction (so the picture shows the field)."""
    r = 0.5 + 0.5 * math.cos(angle)
    g = 0.5 + 0.5 * math.cos(angle - 2.0944)
    b = 0.5 + 0.5 * math.cos(angle + 2.0944)
    return r, g, b


@numba.vectorize(["float64(float64, float64, float64, float64)"])
def gl_arrow_ufunc(originx, originy, offsetx, offsety):
    """Emit the three triangles of one arrow (call between
    glBegin(GL_TRIANGLES) and glEnd()); returns the arrow's length."""
    length = math.hypot(offsetx, offsety)
    if length == 0.0:
        return 0.0
    r, g, b = _hue(math.atan2(offsety, offsetx))
    glColor3f(r, g, b)
    # A normal as long as the arrow, scaled below to the half widths.
    nx = -offsety
    ny = offsetx
    sx = originx + SHAFT * offsetx
    sy = originy + SHAFT * offsety
    w = HALF_WIDTH
    glVertex3f(originx + w * nx, originy + w * ny, 0.0)
    glVertex3f(originx - w * nx, originy - w * ny, 0.0)
    glVertex3f(sx + w * nx, sy + w * ny, 0.0)
    glVertex3f(sx + w * nx, sy + w * ny, 0.0)
    glVertex3f(originx - w * nx, originy - w * ny, 0.0)
    glVertex3f(sx - w * nx, sy - w * ny, 0.0)
    h = HEAD_HALF_WIDTH
    glVertex3f(sx + h * nx, sy + h * ny, 0.0)
    glVertex3f(sx - h * nx, sy - h * ny, 0.0)
    glVertex3f(originx + offsetx, originy + offsety, 0.0)
    return length


def arrows_in_python(originx, originy, offsetx, offsety):
    """The same arrows, drawn by a plain Python loop calling PyOpenGL."""
    lengths = np.zeros(len(originx))
    for i, (ox, oy, dx, dy) in enumerate(zip(originx, originy, offsetx, offsety)):
        length = math.hypot(dx, dy)
        if length == 0.0:
            continue
        GL.glColor3f(*_hue.py_func(math.atan2(dy, dx)))
        nx = -dy
        ny = dx
        sx = ox + SHAFT * dx
        sy = oy + SHAFT * dy
        w = HALF_WIDTH
        for x, y in ((ox + w * nx, oy + w * ny), (ox - w * nx, oy - w * ny),
                     (sx + w * nx, sy + w * ny), (sx + w * nx, sy + w * ny),
                     (ox - w * nx, oy - w * ny), (sx - w * nx, sy - w * ny)):
            GL.glVertex3f(x, y, 0.0)
        h = HEAD_HALF_WIDTH
        GL.glVertex3f(sx + h * nx, sy + h * ny, 0.0)
        GL.glVertex3f(sx - h * nx, sy - h * ny, 0.0)
        GL.glVertex3f(ox + dx, oy + dy, 0.0)
        lengths[i] = length
    return lengths


class OffscreenGL:
    """An OSMesa context rendering into a numpy RGBA buffer."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.context = osmesa.OSMesaCreateContextExt(osmesa.OSMESA_RGBA, 24, 0, 0, None)
        if not self.context:
            raise RuntimeError("OSMesaCreateContextExt failed")
        self.buffer = arrays.GLubyteArray.zeros((height, width, 4))
        if not osmesa.OSMesaMakeCurrent(self.context, self.buffer, GL.GL_UNSIGNED_BYTE, width,
                                        height):
            raise RuntimeError("OSMesaMakeCurrent failed")

    def close(self):
        osmesa.OSMesaDestroyContext(self.context)

    def draw(self, emit, *arrays_):
        """Clear, call emit(*arrays_) between glBegin(GL_TRIANGLES) and
        glEnd(), and return the picture (top row first) and emit's result."""
        GL.glViewport(0, 0, self.width, self.height)
        GL.glMatrixMode(GL.GL_PROJECTION)
        GL.glLoadIdentity()
        GL.glOrtho(-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)
        GL.glMatrixMode(GL.GL_MODELVIEW)
        GL.glLoadIdentity()
        GL.glClearColor(0.08, 0.08, 0.1, 1.0)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT)
        GL.glBegin(GL.GL_TRIANGLES)
        result = emit(*arrays_)
        GL.glEnd()
        GL.glFinish()
        return np.array(self.buffer[::-1]), result


def vortex_field(n=20, scale=0.085):
    """Origins on an n x n grid over [-0.9, 0.9]^2 and offsets of a vortex
    around the centre with a drift (flat arrays)."""
    ticks = np.linspace(-0.9, 0.9, n)
    x, y = np.meshgrid(ticks, ticks)
    r = np.hypot(x, y) + 0.15
    dx = (-y / r + 0.25) * scale
    dy = (x / r) * scale
    return x.ravel(), y.ravel(), dx.ravel(), dy.ravel()


def write_png(path, rgba):
    """A minimal PNG writer (RGBA, 8 bits), so the example needs no imaging
    library."""
    height, width, _ = rgba.shape
    raw = b"".join(b"\0" + rgba[row].tobytes() for row in range(height))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "gl_arrows.png")
    gl = OffscreenGL(480, 480)
    try:
        field = vortex_field()
        picture, lengths = gl.draw(gl_arrow_ufunc, *field)
        reference, _ = gl.draw(arrows_in_python, *field)
    finally:
        gl.close()
    same = np.array_equal(picture, reference)
    write_png(out, picture)
    print("%d arrows drawn by the ufunc (total length %.3f); %s pixels as the Python loop's; "
          "wrote %s" % (len(lengths), lengths.sum(), "the same" if same else "NOT the same", out))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
