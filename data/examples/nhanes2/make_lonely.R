# Reference values for a stratum with a single PSU ("lonely PSU"), from R's survey package,
# for the pipeline (params.yaml stats.lonely_psu, R's options(survey.lonely.psu)) to
# reproduce at a relative 1e-6 (R is never run by the pipeline or its tests).
#
#   Rscript data/examples/nhanes2/make_lonely.R   # writes nhanes2_lonely.csv, reference_lonely.csv
#
# sessionInfo(): R 4.2.2 Patched (2022-11-10 r83330), x86_64-pc-linux-gnu, Debian 12;
# survey 4.1-1 (Debian r-cran-survey), survival 3.5-3, Matrix 1.5-3; C.UTF-8 locale.
#
# Data: nhanes2.csv beside this script (NHANES II as shipped by samplics 0.6.1; U.S.
# public-domain data from NCHS) with an INVENTED modification of the real rows: the rows
# of PSU 1 of stratum 1 (stratid 1, psuid 1) are removed, so that stratum 1 keeps one PSU.
# nhanes2_lonely.csv is nhanes2.csv without those lines (the other lines byte for byte);
# codebook.yaml declares it (the same columns and design).
#   svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE)
# with options(survey.lonely.psu = ) each of "certainty", "adjust", "average", "remove"
# (survey.adjust.domain.lonely left at its default FALSE); figure ids prefixed by the
# option ("adjust:zinc.all.all.mean"): zinc's mean and highbp's shares, overall and by
# race (domains by subset(); figures.R in data/examples/api describes the fields).
# degf() is 61 PSUs - 31 strata = 30 whatever the option.
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "..", "api", "figures.R"))
# (nhanes2.csv's lines end in CRLF, its last without one: cut as bytes, kept as they are)
path <- file.path(here, "nhanes2.csv")
text <- readChar(path, file.size(path), useBytes = TRUE)
lines <- strsplit(text, "\r\n", useBytes = TRUE)[[1]]
d <- read.csv(path)
stopifnot(length(lines) == nrow(d) + 1)
drop <- d$stratid == 1 & d$psuid == 1
writeChar(paste(lines[-(which(drop) + 1)], collapse = "\r\n"),
          file.path(here, "nhanes2_lonely.csv"), eos = NULL, useBytes = TRUE)
d <- read.csv(file.path(here, "nhanes2_lonely.csv"))
stopifnot(nrow(d) == length(drop) - sum(drop), !any(d$stratid == 1 & d$psuid == 1))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
stopifnot(degf(des) == 30)
ses <- c()
for (rule in c("certainty", "adjust", "average", "remove")) {
  options(survey.lonely.psu = rule)
  prefix <- paste0(rule, ":")
  domains <- c(list(all.all = des),
               setNames(lapply(1:3, function(k) des[des$variables$race == k, ]),
                        paste0("race.", 1:3)))
  for (dom in names(domains)) {
    g <- domains[[dom]]
    add_mean(prefix, "zinc", "zinc", dom, g)
    add_shares(function(code) sprintf("%shighbp.%s.%s", prefix, dom, code), "highbp", g,
               c(1, 0))
  }
  ses[rule] <- SE(svymean(~zinc, des, na.rm = TRUE))
}
options(survey.lonely.psu = "fail")
ref <- take_rows()
write.csv(ref, file.path(here, "reference_lonely.csv"), row.names = FALSE)
cat(sprintf("# nhanes2_lonely.csv: %d rows (%d removed); degf = %d\n", nrow(d), sum(drop),
            degf(des)))
cat(sprintf("# SE of zinc's mean with survey.lonely.psu = %s: %s\n", names(ses), fmt(ses)),
    sep = "")
cat(sprintf("# reference_lonely.csv: %d rows (survey %s)\n", nrow(ref), packageVersion("survey")))
