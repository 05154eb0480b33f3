"""The colour stage in GLSL: colour/mapping.py's modes, the frozen calibration as constants, and
the sRGB curve, with the CPU's own constants (imported, so the two cannot drift apart)."""
from __future__ import annotations

from cppn_motion.colour import colourspaces, harmony, mapping
from cppn_motion.colour.palettes import resolve
from cppn_motion.errors import ConfigError
from cppn_motion.live.bake import Baked
from cppn_motion.live.numbers import literal

_KNEE_LINEAR, _KNEE_ENCODED = colourspaces._SRGB_LINEAR_KNEE, colourspaces._SRGB_ENCODED_KNEE
_SLOPE, _OFFSET, _GAMMA = colourspaces._SRGB_SLOPE, colourspaces._SRGB_OFFSET, colourspaces._SRGB_GAMMA

# colourspaces.linear_to_srgb and srgb_to_linear (IEC 61966-2-1).
SRGB = f"""
float srgb_encode(float l) {{
  return l <= {_KNEE_LINEAR!r} ? l * {_SLOPE!r}
       : {1.0 + _OFFSET!r} * pow(max(l, {_KNEE_LINEAR!r}), {1.0 / _GAMMA!r}) - {_OFFSET!r};
}}
float srgb_decode(float s) {{
  return s <= {_KNEE_ENCODED!r} ? s / {_SLOPE!r} : pow((max(s, {_KNEE_ENCODED!r}) + {_OFFSET!r}) / {1.0 + _OFFSET!r}, {_GAMMA!r});
}}
vec3 encode3(vec3 l) {{ return vec3(srgb_encode(l.x), srgb_encode(l.y), srgb_encode(l.z)); }}
vec3 decode3(vec3 s) {{ return vec3(srgb_decode(s.x), srgb_decode(s.y), srgb_decode(s.z)); }}
"""


def _vec3(values) -> str:
    padded = [float(v) for v in values] + [0.0] * (3 - len(values))
    return f"vec3({', '.join(literal(v) for v in padded[:3])})"


def _mat_rows(matrix) -> str:
    """A GLSL mat3 whose `m * v` is the row-major `matrix @ v` (GLSL matrices are column-major)."""
    columns = [[matrix[r][c] for r in range(3)] for c in range(3)]
    return "mat3(" + ", ".join(literal(v) for column in columns for v in column) + ")"


def colour_constants(baked: Baked) -> str:
    lines = [f"const vec3 MEAN = {_vec3(baked.mean)};", f"const vec3 STD = {_vec3(baked.std)};",
             f"const vec3 LOW = {_vec3(baked.low)};", f"const vec3 HIGH = {_vec3(baked.high)};",
             f"const vec3 LUMA = {_vec3(mapping._LUMA)};",
             f"const mat3 XYZ_TO_RGB = {_mat_rows(colourspaces._XYZ_TO_LINEAR_SRGB)};",
             f"const vec3 D65 = {_vec3(colourspaces._D65_WHITE)};",
             f"const mat3 OKLAB_TO_LMS = {_mat_rows(colourspaces._OKLAB_TO_LMS_CBRT)};",
             f"const mat3 LMS_TO_RGB = {_mat_rows(colourspaces._LMS_TO_LINEAR_SRGB)};"]
    palette = baked.preset.colour.palette
    if baked.preset.colour.mode == "palette":
        stops = [mapping._hex_to_rgb(c) for c in resolve(palette).stops]
        lines.append(f"const vec3 STOPS[{len(stops)}] = vec3[{len(stops)}]({', '.join(_vec3(s) for s in stops)});")
        lines.append(f"const bool PALETTE_CYCLIC = {'true' if resolve(palette).cyclic else 'false'};")
    if baked.preset.colour.mode == "harmony":
        lines.append(_harmony(baked.preset.colour.harmony))
    gamut = colourspaces
    lines += [f"const float CHROMA_CEILING = {literal(gamut._CHROMA_CEILING)};",
              f"const float BLACK_SLACK = {literal(gamut._BLACK_SLACK)};",
              f"const float GAMUT_SLACK = {literal(gamut._GAMUT_SLACK)};",
              f"const int GAMUT_STEPS = {gamut._GAMUT_STEPS};"]
    return "\n".join(lines) + "\n"


COLOUR_FUNCTIONS = """
vec3 rotate_hue(vec3 rgb, float turns) {
  if (fract(turns) == 0.0) return rgb;
  float angle = turns * TWO_PI;
  float c = cos(angle), s = sin(angle);
  float k = 1.0 / 3.0;
  float q = sqrt(k) * s;
  float a = c + (1.0 - c) * k, b = (1.0 - c) * k - q, d = (1.0 - c) * k + q;
  return vec3(dot(rgb, vec3(a, b, d)), dot(rgb, vec3(d, a, b)), dot(rgb, vec3(b, d, a)));
}
vec3 saturate_by(vec3 rgb, float saturation) {
  if (saturation == 1.0) return rgb;
  float grey = dot(rgb, LUMA);
  return grey + saturation * (rgb - grey);
}
vec3 rotate_ab(vec3 lab, float turns) {
  if (fract(turns) == 0.0) return lab;
  float angle = turns * TWO_PI;
  float c = cos(angle), s = sin(angle);
  return vec3(lab.x, c * lab.y - s * lab.z, s * lab.y + c * lab.z);
}
vec3 finish(vec3 linear) { return encode3(clamp(linear, 0.0, 1.0)); }
float lab_f_inverse(float f) { return f > LAB_DELTA ? f * f * f : 3.0 * LAB_DELTA * LAB_DELTA * (f - 4.0 / 29.0); }
vec3 lab_to_rgb(vec3 lab) {
  float fy = (lab.x + 16.0) / 116.0;
  vec3 xyz = vec3(lab_f_inverse(fy + lab.y / 500.0), lab_f_inverse(fy), lab_f_inverse(fy - lab.z / 200.0)) * D65;
  return finish(XYZ_TO_RGB * xyz);
}
vec3 oklab_to_rgb(vec3 lab) {
  vec3 lms = OKLAB_TO_LMS * lab;
  return finish(LMS_TO_RGB * (lms * lms * lms));
}
// colourspaces.oklch_to_rgb_in_gamut: chroma lowered (bisection) until the colour fits sRGB.
vec3 oklch_linear(float lightness, float chroma, float angle) {
  vec3 lms = OKLAB_TO_LMS * vec3(lightness, chroma * cos(angle), chroma * sin(angle));
  return LMS_TO_RGB * (lms * lms * lms);
}
float max_chroma(float lightness, float hue) {
  float angle = TWO_PI * hue, low = 0.0, high = CHROMA_CEILING;
  float black = -BLACK_SLACK * lightness * lightness * lightness;
  for (int i = 0; i < GAMUT_STEPS; i++) {
    float mid = 0.5 * (low + high);
    vec3 linear = oklch_linear(lightness, mid, angle);
    bool inside = all(greaterThanEqual(linear, vec3(black))) && all(lessThanEqual(linear, vec3(1.0 + GAMUT_SLACK)));
    if (inside) low = mid; else high = mid;
  }
  return low;
}
vec3 oklch_to_rgb_in_gamut(vec3 lch) {
  float lightness = clamp(lch.x, 0.0, 1.0);
  float chroma = min(max(lch.y, 0.0), max_chroma(lightness, lch.z));
  return finish(oklch_linear(lightness, chroma, TWO_PI * lch.z));
}
vec3 hsv_to_rgb(vec3 hsv) {
  float s = clamp(hsv.y, 0.0, 1.0), v = clamp(hsv.z, 0.0, 1.0);
  vec3 k = mod(vec3(5.0, 3.0, 1.0) + 6.0 * hsv.x, 6.0);
  vec3 ramp = clamp(min(k, 4.0 - k), 0.0, 1.0);
  return v - v * s * ramp;
}
"""

# colour.mode -> GLSL computing `rgb` from raw, standard, squashed and the moment's colour values.
MODES = {
    "rgb": "rgb = saturate_by(rotate_hue(squashed, hue_shift), saturation);",
    "hsv": f"""float hue = mod(hue_shift + {mapping._HUE_SPREAD!r} * standard.x, 1.0);
  float sat = clamp(({mapping._HSV_FLOOR!r} + {1 - mapping._HSV_FLOOR!r} * squashed.y) * saturation, 0.0, 1.0);
  rgb = hsv_to_rgb(vec3(hue, sat, {mapping._HSV_FLOOR!r} + {1 - mapping._HSV_FLOOR!r} * squashed.z));""",
    "seed_lab": """vec3 unit = clamp((raw - LOW) / (HIGH - LOW), 0.0, 1.0);
  rgb = saturate_by(lab_to_rgb(rotate_ab(vec3(100.0 * unit.x, 255.0 * unit.y - 128.0, 255.0 * unit.z - 128.0),
                                         hue_shift)), saturation);""",
    "seed_standard": "rgb = saturate_by(rotate_hue(clamp((standard * 100.0 + 128.0) / 255.0, 0.0, 1.0), hue_shift), "
                     "saturation);",
    "oklab": f"""vec3 lab = vec3({mapping._OK_L[0]!r} + {mapping._OK_L[1]!r} * squashed.x,
                  {mapping._OK_AB!r} * (2.0 * squashed.y - 1.0), {mapping._OK_AB!r} * (2.0 * squashed.z - 1.0));
  rgb = saturate_by(oklab_to_rgb(rotate_ab(lab, hue_shift)), saturation);""",
    "oklch": f"""float hue = mod(hue_shift + {mapping._HUE_SPREAD!r} * standard.z, 1.0);
  float chroma = {mapping._OK_CHROMA[0]!r} + {mapping._OK_CHROMA[1]!r} * squashed.y;
  rgb = saturate_by(oklch_to_rgb_in_gamut(vec3({mapping._OK_L[0]!r} + {mapping._OK_L[1]!r} * squashed.x, chroma, hue)),
                    saturation);""",
    "harmony": "rgb = oklch_to_rgb_in_gamut(harmony_lch(squashed, hue_shift, saturation));",
    "palette": """float position = squashed.x;
  if (palette_shift != 0.0) position = PALETTE_CYCLIC ? mod(position + palette_shift / 2.0, 1.0)
                                                     : 1.0 - abs(1.0 - mod(position + palette_shift, 2.0));
  float segments = float(STOPS.length() - 1);
  float scaled = clamp(position, 0.0, 1.0) * segments;
  float index = min(floor(scaled), segments - 1.0);
  int i = int(index);
  rgb = saturate_by(STOPS[i] * (1.0 - (scaled - index)) + STOPS[i + 1] * (scaled - index), saturation);""",
}


def colour_stage(baked: Baked) -> str:
    colour = baked.preset.colour
    if baked.moves_colour:
        values = "float contrast = gColour.x, saturation = gColour.y, hue_shift = gColour.z, palette_shift = gColour.w;"
    else:
        values = (f"float contrast = {literal(colour.contrast)}, saturation = {literal(colour.saturation)}, "
                  f"hue_shift = {literal(colour.hue_shift)}, palette_shift = {literal(colour.palette_shift)};")
    if colour.mode not in MODES:
        raise ConfigError(f"colour.mode: the live shader knows {', '.join(MODES)}; got '{colour.mode}'")
    return f"""
vec3 to_rgb(vec3 raw) {{
  {values}
  vec3 standard = (raw - MEAN) / STD;
  vec3 z = contrast * standard;
  vec3 squashed = vec3(sigm(z.x), sigm(z.y), sigm(z.z));
  vec3 rgb;
  {MODES[colour.mode]}
  return clamp(rgb, 0.0, 1.0);
}}
"""




def _harmony(name: str) -> str:
    """colour/harmony.harmony_lch for one harmony, as GLSL."""
    offsets = harmony.FAMILIES[name]
    count = len(offsets)
    (l0, l1), (c0, c1) = harmony._LIGHTNESS, harmony._CHROMA
    head = (f"vec3 harmony_lch(vec3 squashed, float base_hue, float saturation) {{\n"
            f"  float lightness = {literal(l0)} + {literal(l1 - l0)} * squashed.x;\n"
            f"  float chroma = ({literal(c0)} + {literal(c1 - c0)} * squashed.y) * saturation;\n")
    if name == "analogous":
        return head + (f"  float hue = base_hue + ({literal(offsets[0])} + {literal(offsets[-1] - offsets[0])} * "
                       "squashed.z) * 1.5;\n  return vec3(lightness, chroma, mod(hue, 1.0));\n}")
    table = ", ".join(literal(v) for v in offsets)
    body = (f"  const float OFFSETS[{count}] = float[{count}]({table});\n"
            f"  float position = squashed.z * {float(count)!r};\n"
            f"  float index = clamp(floor(position), 0.0, {float(count - 1)!r});\n"
            "  float within = position - index;\n"
            f"  float hue = base_hue + OFFSETS[int(index)] + {literal(harmony._FAMILY_SPREAD)} * (2.0 * within - 1.0);\n")
    if count > 1:
        seams = " ".join(f"distance = min(distance, abs(position - {float(k)!r}));" for k in range(2, count))
        body += (f"  float distance = abs(position - 1.0); {seams}\n"
                 f"  float fade = clamp(distance / {literal(harmony._SEAM)}, 0.0, 1.0);\n"
                 "  chroma = chroma * fade * fade * (3.0 - 2.0 * fade);\n")
    return head + body + "  return vec3(lightness, chroma, mod(hue, 1.0));\n}"
