"""The regulation (四川金融资产交易所客户投诉处理管理办法) as pure functions.

Nothing here does I/O or imports other packages of this project: each rule takes
plain values and returns a decision together with the reasons for it, so that a
compliance officer can trace every decision to its clause.
"""
