"""The analysis layer: pooling rules and questions (trials), the statistics (meta_analysis,
network), harms, the multiverse, the drug network, mechanisms, the REBUS model and the comparison
of released versions. Reads the data layer; knows nothing of pages or builds."""
