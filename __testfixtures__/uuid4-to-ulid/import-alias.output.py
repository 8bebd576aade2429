import dhruva

run_id = dhruva.generate()
