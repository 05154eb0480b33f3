"""Studies: complexity measures, sweeps, growth, contact sheets, reroll and the benchmark."""
