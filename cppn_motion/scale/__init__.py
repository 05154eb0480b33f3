"""Scale-out: rendering a clip in segments (resumable, sharded, torchrun, parallel encoders) and joining them."""
