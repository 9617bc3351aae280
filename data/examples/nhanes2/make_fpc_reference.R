# Reference values for a design with a finite population correction: R's survey package
# (Debian r-cran-survey) on NHANES II (nhanes2.csv beside this script, from samplics 0.6.1;
# U.S. public-domain data from NCHS) with an INVENTED fpc: 4 PSUs in each stratum's
# population (the sample has 2), so that the correction (1 - 2/4) halves every variance.
#
#   Rscript data/examples/nhanes2/make_fpc_reference.R   # writes reference_fpc.csv beside it
#
# svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, fpc = ~npsu, nest = TRUE);
# fpc counts PSUs (the design's first stage). tests/test_weighted_survey.py adds the same
# npsu column to a copy of the export and compares the pipeline's figures with these.
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "nhanes2.csv"))
d$npsu <- 4
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, fpc = ~npsu,
                 nest = TRUE, data = d)
rows <- list()
domains <- list(all = des, race_1 = subset(des, race == 1), race_2 = subset(des, race == 2),
                race_3 = subset(des, race == 3))
for (name in names(domains)) {
  for (v in c("zinc", "highbp")) {
    est <- svymean(as.formula(paste0("~", v)), domains[[name]], na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(variable = v, domain = name,
                                           estimate = unname(coef(est)), se = unname(SE(est)))
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference_fpc.csv"), row.names = FALSE)
cat(sprintf("%s: %d reference values (survey %s)\n", file.path(here, "reference_fpc.csv"),
            nrow(out), as.character(packageVersion("survey"))))
