"""GLSL ES 3.00 for a baked preset: the CPU's per-pixel function (coordinates, camera, the MLP, the
colour stage, 8-bit rounding) as a fragment shader. Pure computation: returns strings.

Two front ends share one body. The page's shader reads the weights from a float texture and the
moment's values (frame features, camera, colour, input scale) from uniforms the page sets each
frame; the standalone shader (.frag, Shadertoy) carries the weights and the table as constants
and interpolates the table itself from a time uniform."""
from __future__ import annotations

import math

from cppn_motion.errors import ConfigError
from cppn_motion.live.bake import Baked, Layer
from cppn_motion.live.glsl_colour import COLOUR_FUNCTIONS, SRGB, colour_constants, colour_stage
from cppn_motion.live.numbers import literal
from cppn_motion.nets.activations import LEAKY_SLOPE

# The page's weight texture is this many RGBA32F texels wide (rows as needed); WebGL2 guarantees 2048.
TEXTURE_WIDTH = 1024

TWO_PI = "6.283185307179586"

# Every activation of nets/activations.py, written so large |x| never overflows to NaN: GLSL's own
# tanh is exp-based on some drivers (inf / inf), so tanh and sigmoid are built from exp(-|x|).
ACTIVATIONS = {
    "tanh": "float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e);",
    "sigmoid": "return sigm(x);",
    "relu": "return max(x, 0.0);",
    "leaky_relu": f"return x >= 0.0 ? x : {LEAKY_SLOPE!r} * x;",
    "sin": "return sin(reduce_angle(x));",
    "cos": "return cos(reduce_angle(x));",
    "gaussian": "return exp(-x * x);",
    # torch: log1p(exp(x)), and x itself above 20; this form is the same without overflow.
    "softplus": "return x > 20.0 ? x : max(x, 0.0) + log(1.0 + exp(-abs(x)));",
    "abs": "return abs(x);",
    "identity": "return x;",
    "elu": "return x > 0.0 ? x : exp(x) - 1.0;",
    "gelu": "return 0.5 * x * (1.0 + erf_approx(x * 0.7071067811865476));",
    "silu": "return x * sigm(x);",
    "softsign": "return x / (1.0 + abs(x));",
}

# Every input feature of nets/coords.py, one GLSL expression a channel (sin/cos of atan2 as y/r, x/r).
FEATURES = {"x": ["x"], "y": ["y"], "r": ["r"], "abs_x": ["abs(x)"], "abs_y": ["abs(y)"],
            "sin_theta": ["(r > 0.0 ? y / r : 0.0)"], "cos_theta": ["(r > 0.0 ? x / r : 1.0)"],
            "slope": ["(v - 0.5)", "(u - 0.5)"]}

HELPERS = """
float sigm(float x) {
  float e = exp(-abs(x));
  return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
// sin/cos of a pre-activation: reduced to [-pi, pi] in two steps (Cody-Waite), since some GPUs'
// sin loses digits far from zero. 6.28125 is exact in float; the rest of 2 pi follows.
float reduce_angle(float x) {
  float k = floor(x * 0.15915494309189535 + 0.5);
  return (x - k * 6.28125) - k * 0.0019353071795864769;
}
// Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7): GLSL has no erf.
float erf_approx(float x) {
  float t = 1.0 / (1.0 + 0.3275911 * abs(x));
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                   + 0.254829592) * t * exp(-x * x);
  return sign(x) * y;
}
"""


def _padded(n: int) -> int:
    return 4 * math.ceil(n / 4)


def _features(baked: Baked) -> str:
    """The per-pixel inputs at a sample position `pix` (pixels from the top left) of a `size` grid."""
    canvas = baked.preset.canvas
    cx, cy = (literal(v) for v in canvas.center)
    scale = literal(canvas.scale)
    lines = ["  float u = pix.x / size.x, v = pix.y / size.y;",
             "  float shorter = min(size.x, size.y);",
             f"  float x = (u - 0.5) * 2.0 * {scale} * (size.x / shorter) + {cx};",
             f"  float y = (v - 0.5) * 2.0 * {scale} * (size.y / shorter) + {cy};"]
    if baked.moves_camera:
        # camera.apply_camera: the point center + R (p - center) / zoom + pan; u/v move with it.
        # The camera turns and zooms about its own centre (timeline.camera.center), not the canvas's.
        kx, ky = (literal(v) for v in baked.preset.timeline.camera.center)
        lines += [f"  float dx = x - {kx}, dy = y - {ky};",
                  f"  float mx = {kx} + gCamera.x * dx - gCamera.y * dy + gCamera.z;",
                  f"  float my = {ky} + gCamera.y * dx + gCamera.x * dy + gCamera.w;",
                  f"  u = 0.5 + (mx - {cx}) / (2.0 * {scale} * size.x / shorter);",
                  f"  v = 0.5 + (my - {cy}) / (2.0 * {scale} * size.y / shorter);",
                  "  x = mx; y = my;"]
    lines.append("  float r = sqrt(x * x + y * y);")
    expressions = FEATURES
    scale_expr = f" * {literal(baked.preset.inputs.feature_scale)}"
    if baked.moves_feature_scale:
        scale_expr += " * gFeatureRatio"
    values: list[str] = []
    for name in baked.features:
        if name not in expressions:
            raise ConfigError(f"inputs.features: the live shader knows {', '.join(expressions)}; got '{name}'")
        values += [f"{expression}{scale_expr}" for expression in expressions[name]]
    values += [f"gFeature[{k}]" for k in range(baked.frame_features)]
    values += ["0.0"] * (_padded(len(values)) - len(values))
    for group in range(len(values) // 4):
        lines.append(f"  h[{group}] = vec4({', '.join(values[4 * group:4 * group + 4])});")
    return "\n".join(lines)


# Hidden values are vec4 arrays: one texel fetch and one dot product per 4 inputs. (Writing the
# net out in full with constant indices ran ~2x faster on SwiftShader but doubled the page's size.)
def _component(index: int) -> str:
    return f"[{index // 4}].{'xyzw'[index % 4]}"


def _layer(layer: Layer, source: str, target: str, last: bool) -> str:
    groups = layer.groups
    lines = [f"  for (int q = 0; q < {math.ceil(layer.outputs / 4)}; q++) {{",
             "    vec4 s = vec4(0.0);",
             "    for (int k = 0; k < 4; k++) {",
             f"      int row = {layer.weight_texel} + (4 * q + k) * {groups};",
             "      float t = 0.0;",
             f"      for (int g = 0; g < {groups}; g++) t += dot({source}[g], P(row + g));",
             "      s[k] = t;",
             "    }",
             f"    {target}[q] = P({layer.bias_texel} + q) + s;",
             "  }"]
    # Outputs past `outputs` in the last texel read padding (zero weights and bias); they stay 0
    # until an activation, and only ever meet zero weights in the next layer.
    if not last:
        for name, start, stop in layer.activations:
            lines.append(f"  for (int j = {start}; j < {stop}; j++) {target}[j >> 2][j & 3] = "
                         f"act_{name}({target}[j >> 2][j & 3]);")
    return "\n".join(lines)


def _network(baked: Baked) -> str:
    layers = baked.layers
    size = max(max(_padded(layer.inputs) for layer in layers), _padded(layers[-1].outputs)) // 4
    names = sorted({name for layer in layers for name, _, _ in layer.activations})
    functions = "\n".join(f"float act_{name}(float x) {{ {ACTIVATIONS[name]} }}" for name in names)
    body = ["vec3 raw_at(vec2 pix, vec2 size) {", f"  vec4 h[{size}];", f"  vec4 o[{size}];", _features(baked)]
    source, target = "h", "o"
    for index, layer in enumerate(layers):
        body.append(_layer(layer, source, target, index == len(layers) - 1))
        source, target = target, source
    channels = layers[-1].outputs
    outputs = [f"{source}{_component(c)}" if c < channels else "0.0" for c in range(3)]
    body.append(f"  return vec3({', '.join(outputs)});\n}}")
    return functions + "\n" + "\n".join(body) + "\n"


def check_activations(baked: Baked) -> None:
    for layer in baked.layers:
        for name, _, _ in layer.activations:
            if name not in ACTIVATIONS:
                raise ConfigError(f"net.activation: the live shader knows {', '.join(ACTIVATIONS)}; got '{name}'")


def _pixel(baked: Baked) -> str:
    """colour of the output pixel (col, row from the top) of an output of `resolution`."""
    factor = baked.preset.canvas.supersample
    quantised = "floor(clamp(rgb, 0.0, 1.0) * 255.0 + 0.5) / 255.0"  # colour.quantize: round to the nearest code
    if factor == 1:
        return f"""vec3 pixel_colour(vec2 cell, vec2 resolution) {{
  vec3 rgb = to_rgb(raw_at(cell + 0.5, resolution));
  return {quantised};
}}
"""
    # canvas.supersample: k x k samples a pixel, averaged in linear light (rendering/supersample.py).
    return f"""vec3 pixel_colour(vec2 cell, vec2 resolution) {{
  vec3 total = vec3(0.0);
  for (int sy = 0; sy < {factor}; sy++) for (int sx = 0; sx < {factor}; sx++)
    total += decode3(to_rgb(raw_at(cell * {float(factor)!r} + vec2(sx, sy) + 0.5, resolution * {float(factor)!r})));
  vec3 rgb = clamp(encode3(total / {float(factor * factor)!r}), 0.0, 1.0);
  return {quantised};
}}
"""


def _globals(baked: Baked) -> str:
    lines = []
    if baked.frame_features:
        lines.append(f"float gFeature[{baked.frame_features}];")
    if baked.moves_camera:
        lines.append("vec4 gCamera;   // cos * s, sin * s (s = 1 / zoom), pan x, pan y")
    if baked.moves_feature_scale:
        lines.append("float gFeatureRatio;")
    if baked.moves_colour:
        lines.append("vec4 gColour;   // contrast, saturation, hue_shift, palette_shift")
    return "\n".join(lines) + "\n"


def body(baked: Baked) -> str:
    """Everything but the front end: helpers, constants, features, the net, colour, one pixel."""
    check_activations(baked)
    return (f"const float TWO_PI = {TWO_PI};\nconst float LAB_DELTA = {literal(6.0 / 29.0)};\n"
            + HELPERS + SRGB + colour_constants(baked) + COLOUR_FUNCTIONS + _globals(baked)
            + colour_stage(baked) + _network(baked) + _pixel(baked))


def page_shader(baked: Baked) -> str:
    """The page's fragment shader: weights from the texture uParams, the moment from uniforms."""
    loads = []
    uniforms = ["uniform vec2 uResolution;", "uniform highp sampler2D uParams;"]
    if baked.frame_features:
        uniforms.append(f"uniform float uFeature[{baked.frame_features}];")
        loads.append(f"  for (int k = 0; k < {baked.frame_features}; k++) gFeature[k] = uFeature[k];")
    for name, kind in (("Camera", "vec4"), ("FeatureRatio", "float"), ("Colour", "vec4")):
        if {"Camera": baked.moves_camera, "FeatureRatio": baked.moves_feature_scale,
                "Colour": baked.moves_colour}[name]:
            uniforms.append(f"uniform {kind} u{name};")
            loads.append(f"  g{name} = u{name};")
    header = ("#version 300 es\nprecision highp float;\nprecision highp int;\nprecision highp sampler2D;\n"
              + "\n".join(uniforms) + "\nout vec4 fragColor;\n"
              + f"vec4 P(int i) {{ return texelFetch(uParams, ivec2(i % {TEXTURE_WIDTH}, i / {TEXTURE_WIDTH}), 0); }}\n")
    main = ("void main() {\n" + "\n".join(loads) + "\n"
            "  vec2 cell = vec2(floor(gl_FragCoord.x), uResolution.y - 1.0 - floor(gl_FragCoord.y));\n"
            "  fragColor = vec4(pixel_colour(cell, uResolution), 1.0);\n}\n")
    return header + body(baked) + main


VERTEX_SHADER = """#version 300 es
in vec2 corner;
void main() { gl_Position = vec4(corner, 0.0, 1.0); }
"""

