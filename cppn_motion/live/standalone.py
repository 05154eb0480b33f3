"""The standalone fragment shader (.frag, .glsl; Shadertoy): the weights and the table of moments
as constants, interpolated in the shader from a time uniform. Pure computation: returns a string."""
from __future__ import annotations

from cppn_motion.errors import ConfigError
from cppn_motion.live.bake import Baked
from cppn_motion.live.glsl import body
from cppn_motion.live.numbers import literal


def _table_array(baked: Baked) -> str:
    values = ", ".join(literal(v) for v in baked.table.reshape(-1))
    count = baked.table.size
    return f"const float TABLE[{count}] = float[{count}]({values});\n" if count else ""


def _load_moment(baked: Baked) -> str:
    """The standalone shader's moment: the table at `phase`, exact on a row, linear between."""
    columns, width = baked.columns, baked.table.shape[1]
    lines = ["void load_moment(float phase) {",
             f"  float s = clamp(phase, 0.0, 1.0) * {float(baked.samples)!r};",
             f"  int i = min(int(floor(s)), {baked.samples - 1});",
             "  float f = s - float(i);"]

    def at(column: int) -> str:
        return f"mix(TABLE[i * {width} + {column}], TABLE[(i + 1) * {width} + {column}], f)"

    for k in range(baked.frame_features):
        lines.append(f"  gFeature[{k}] = {at(columns['feature'] + k)};")
    if baked.moves_camera:
        lines += [f"  float zoom_scale = exp(-{at(columns['log_zoom'])});",
                  f"  float angle = {at(columns['rotation'])} * TWO_PI;",
                  f"  gCamera = vec4(cos(angle) * zoom_scale, sin(angle) * zoom_scale, {at(columns['pan_x'])}, "
                  f"{at(columns['pan_y'])});"]
    if baked.moves_feature_scale:
        lines.append(f"  gFeatureRatio = {at(columns['feature_scale'])};")
    if baked.moves_colour:
        lines.append("  gColour = vec4(" + ", ".join(at(columns[n]) for n in
                                                      ("contrast", "saturation", "hue_shift", "palette_shift")) + ");")
    return "\n".join(lines) + "\n}\n"


def _phase_of(baked: Baked) -> str:
    """Seconds -> the net's phase, with the preset's loop length and ping-pong (timeline.frame_phases)."""
    timeline = baked.preset.timeline
    frames = timeline.frames
    duration = literal(frames / timeline.fps)
    if timeline.pingpong and frames > 1:
        phase = "1.0 - abs(1.0 - 2.0 * fraction)"
    elif timeline.loop or frames == 1:
        phase = "fraction"
    else:
        phase = f"min(1.0, fraction * {literal(frames / (frames - 1))})"
    return f"""// The loop lasts {frames / timeline.fps:g} s ({frames} frames at {timeline.fps:g} fps).
float phase_of(float seconds) {{
  float fraction = fract(seconds / {duration});
  return {phase};
}}
"""


def standalone_shader(baked: Baked, shadertoy: bool = False) -> str:
    """A fragment shader with the weights and the table as constants.

    Plain (GLSL ES 3.00, WebGL2 / OpenGL ES 3): set `uniform float u_time` (seconds since the
    start; the loop repeats) and `uniform vec2 u_resolution` (the output's size in pixels) and
    draw a full-screen quad. Shadertoy: paste it as an image shader (iTime and iResolution)."""
    if baked.motions:
        raise ConfigError("timeline.weights: a standalone shader carries its weights as constants, and this "
                          "preset's weights move; export it as .html (the page updates them every frame)")
    count = baked.texels
    texels = ", ".join("vec4(" + ", ".join(literal(v) for v in baked.params[4 * i:4 * i + 4]) + ")"
                       for i in range(count))
    constants = (f"const vec4 PARAMS[{count}] = vec4[{count}]({texels});\n"
                 "vec4 P(int i) { return PARAMS[i]; }\n" + _table_array(baked))
    note = (f"// {baked.preset.name}: made by cppn-motion export. The frame at phase p is the frame\n"
            f"// `cppn-motion still {baked.preset.name} --time p` renders at the same size.\n")
    shared = constants + body(baked) + _load_moment(baked) + _phase_of(baked)
    if shadertoy:
        return (note + "// Shadertoy image shader: iTime (s) and iResolution drive it.\n" + shared +
                "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
                "  load_moment(phase_of(iTime));\n"
                "  vec2 cell = vec2(floor(fragCoord.x), iResolution.y - 1.0 - floor(fragCoord.y));\n"
                "  fragColor = vec4(pixel_colour(cell, iResolution.xy), 1.0);\n}\n")
    return ("#version 300 es\n" + note +
            "// Uniforms: u_time, seconds (the loop repeats); u_resolution, the output size in pixels.\n"
            "precision highp float;\nprecision highp int;\n"
            "uniform float u_time;\nuniform vec2 u_resolution;\nout vec4 fragColor;\n" + shared +
            "void main() {\n  load_moment(phase_of(u_time));\n"
            "  vec2 cell = vec2(floor(gl_FragCoord.x), u_resolution.y - 1.0 - floor(gl_FragCoord.y));\n"
            "  fragColor = vec4(pixel_colour(cell, u_resolution), 1.0);\n}\n")
