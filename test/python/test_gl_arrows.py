"""The OpenGL ufunc example (examples/gl_arrows.py): a numba @vectorize
function calling glVertex3f through ctabi thunks renders, headless through
OSMesa, exactly the pixels that a plain Python loop calling PyOpenGL
renders."""

import ctypes
import ctypes.util
import importlib.util
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "gl_arrows.py"

pytest.importorskip("numba", reason="numba is not installed")
np = pytest.importorskip("numpy")
if ctypes.util.find_library("OSMesa") is None:
    pytest.skip("Mesa's OSMesa library is not installed (Debian: libosmesa6, which "
                "tools/bootstrap installs)", allow_module_level=True)
if os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa") != "osmesa":
    pytest.skip("PYOPENGL_PLATFORM is set to %r; the example renders with osmesa"
                % os.environ["PYOPENGL_PLATFORM"], allow_module_level=True)
pytest.importorskip("OpenGL", reason="PyOpenGL is not installed")


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("gl_arrows", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gl(example):
    context = example.OffscreenGL(160, 160)
    yield context
    context.close()


def _background(picture):
    return picture[0, 0]


def test_the_thunks_are_pyopengls_own_c_functions(example):
    from OpenGL import platform

    raw = platform.PLATFORM.GL.glVertex3f
    assert example.glVertex3f.address == ctypes.cast(raw, ctypes.c_void_p).value
    assert example.glVertex3f.argtypes == (ctypes.c_float,) * 3


def test_ufunc_draws_the_same_pixels_as_python(example, gl):
    field = example.vortex_field(n=12, scale=0.14)
    picture, lengths = gl.draw(example.gl_arrow_ufunc, *field)
    reference, ref_lengths = gl.draw(example.arrows_in_python, *field)
    assert np.allclose(lengths, ref_lengths, rtol=1e-15, atol=0)
    drawn = np.any(picture != _background(picture), axis=-1)
    assert 0.05 < drawn.mean() < 0.6  # arrows, not an empty or a flooded picture
    assert np.array_equal(picture, reference)


def test_one_arrow_lands_where_its_vertices_say(example, gl):
    # One arrow from the centre to the right: the viewport maps [-1, 1] to
    # 160 pixels, top row first.
    one = [np.array([v]) for v in (0.0, 0.0, 0.5, 0.0)]
    picture, lengths = gl.draw(example.gl_arrow_ufunc, *one)
    assert lengths[0] == 0.5
    background = _background(picture)

    def pixel(x, y):
        return picture[int(round((1 - y) * 80)) - 1, int(round((x + 1) * 80))]

    r, g, b = example._hue.py_func(0.0)
    shaft = pixel(0.2, 0.0)
    assert np.allclose(shaft[:3] / 255.0, (r, g, b), atol=2 / 255)
    assert np.array_equal(pixel(0.46, 0.0)[:3], shaft[:3])  # the head
    for x, y in ((-0.2, 0.0), (0.2, 0.2), (0.6, 0.0), (0.2, -0.2)):
        assert np.array_equal(pixel(x, y), background), (x, y)


def test_the_shipped_picture_is_the_examples_output(example, tmp_path):
    out = tmp_path / "arrows.png"
    assert example.main(["gl_arrows.py", str(out)]) == 0
    assert out.read_bytes() == (REPO / "examples" / "gl_arrows.png").read_bytes()
