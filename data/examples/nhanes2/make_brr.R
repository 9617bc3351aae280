# Balanced repeated replication (BRR) weights for NHANES II, and R survey's estimates with
# them: a replicate-weight design as survey producers publish it.
#
#   Rscript data/examples/nhanes2/make_brr.R   # writes nhanes2_brr.csv and reference_brr.csv
#
# The replicate weights are DERIVED (not published by NCHS): R survey's
# as.svrepdesign(svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE),
# type = "BRR") builds 32 half-sample replicates from a Hadamard matrix over the 31 strata
# of 2 PSUs each; nhanes2_brr.csv is nhanes2.csv (samplics 0.6.1, U.S. public domain) with
# their analysis weights as columns brr_1 ... brr_32. The references are svymean on that
# replicate design (its variance: the mean squared deviation of the replicate estimates,
# scale 1/32), overall and in race domains (subset()), for the tests of the pipeline.
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
rep <- as.svrepdesign(des, type = "BRR")
w <- weights(rep, type = "analysis")
colnames(w) <- paste0("brr_", seq_len(ncol(w)))
out <- cbind(d, w)
write.csv(out, file.path(here, "nhanes2_brr.csv"), row.names = FALSE, na = "")
rows <- list()
domains <- list(all = rep, race_1 = subset(rep, race == 1), race_2 = subset(rep, race == 2),
                race_3 = subset(rep, race == 3))
for (name in names(domains)) {
  for (v in c("zinc", "highbp")) {
    g <- domains[[name]]
    est <- svymean(as.formula(paste0("~", v)), g, na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(variable = v, domain = name,
                                           estimate = unname(coef(est)), se = unname(SE(est)))
  }
}
ref <- do.call(rbind, rows)
write.csv(ref, file.path(here, "reference_brr.csv"), row.names = FALSE)
cat(sprintf("%s: %d replicates; %s: %d reference values (survey %s)\n",
            file.path(here, "nhanes2_brr.csv"), ncol(w), file.path(here, "reference_brr.csv"),
            nrow(ref), as.character(packageVersion("survey"))))
