"""Timeline: phases, latent paths and weight motion."""
from __future__ import annotations

import torch
from tiny import tiny_preset

from cppn_motion.motion.timeline import frame_phases
from cppn_motion.rendering.scene import build_scene


def test_loop_phases_never_reach_one():
    torch.testing.assert_close(frame_phases(range(4), 4, loop=True),
                               torch.tensor([0, 0.25, 0.5, 0.75], dtype=torch.float64))
    torch.testing.assert_close(frame_phases(range(3), 3, loop=False),
                               torch.tensor([0, 0.5, 1.0], dtype=torch.float64))
    assert frame_phases([0], 1, loop=False).item() == 0.0


def test_keyframed_latents_visit_every_key_and_loop_back():
    preset = tiny_preset(timeline={"latent": {"path": "keyframes", "keyframes": 4}})
    timeline = build_scene(preset, "cpu").timeline
    keys = timeline._latent_keys
    z = timeline.latents(torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=torch.float64))
    torch.testing.assert_close(z[:4], keys)
    torch.testing.assert_close(z[4], keys[0])


def test_open_clip_ends_on_the_last_key():
    preset = tiny_preset(timeline={"loop": False, "latent": {"path": "keyframes", "keyframes": 3}})
    timeline = build_scene(preset, "cpu").timeline
    z = timeline.latents(torch.tensor([0.0, 1.0], dtype=torch.float64))
    torch.testing.assert_close(z[0], timeline._latent_keys[0])
    torch.testing.assert_close(z[1], timeline._latent_keys[-1])


def test_circle_latents_keep_their_radius():
    preset = tiny_preset(latent={"dim": 16, "scale": 0.5}, timeline={"latent": {"radius": 2.0}})
    z = build_scene(preset, "cpu").timeline.latents(torch.linspace(0, 1, 9, dtype=torch.float64))
    torch.testing.assert_close(z.norm(dim=1), torch.full((9,), 1.0))
    torch.testing.assert_close(z[0], z[-1])


def test_weight_keyframes_start_from_the_base_weights():
    preset = tiny_preset(timeline={"weights": {"mode": "keyframes", "keyframes": 3}})
    scene = build_scene(preset, "cpu")
    weights = scene.timeline.weights(torch.tensor([0.0, 1 / 3, 0.5], dtype=torch.float64))
    for w, base in zip(weights, scene.net.base_weights):
        assert w.shape == (3, *base.shape)
        torch.testing.assert_close(w[0], base)
        assert not torch.allclose(w[1], base)


def test_perturbation_is_periodic_and_centred_on_base():
    preset = tiny_preset(timeline={"weights": {"mode": "perturb", "amplitude": 0.2}})
    scene = build_scene(preset, "cpu")
    phase = torch.linspace(0, 1, 17, dtype=torch.float64)[:-1]
    weights = scene.timeline.weights(phase)
    for w, base in zip(weights, scene.net.base_weights):
        torch.testing.assert_close(w.mean(dim=0), base, atol=1e-5, rtol=0)


def test_static_weights_are_shared_not_copied_per_frame():
    scene = build_scene(tiny_preset(), "cpu")
    weights = scene.timeline.weights(torch.zeros(5, dtype=torch.float64))
    assert all(w.shape[0] == 1 for w in weights)
