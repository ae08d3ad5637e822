"""The ``parkreport`` template's preprocessor: a notebook papermill ran gets what ``render`` adds.

``parkanalysis render`` and ``batch`` prepare a report's notebook before it runs
(:func:`parkanalysis.render.kernel.prepare_notebook`: the office's own sections of
``texts/<period>.md`` and the 【待填写】 topics of a 工作总结, no ``office_only`` cells
outside the 工作稿). A notebook run by plain papermill or in JupyterLab was not prepared; exporting
it with ``jupyter nbconvert --template parkreport`` prepares it here, from the parameters it
ran with, so that both ways of rendering one notebook with the same parameters give the same
page. A notebook that ``render`` prepared is left as it is.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor

from parkanalysis._io import resolve_data_folder
from parkanalysis.errors import ParameterError
from parkanalysis.render.kernel import executed_parameters, prepare_notebook


class OfficeSections(Preprocessor):
    """Prepare an executed report notebook that was not prepared before it ran."""

    def preprocess(self, nb, resources):
        params = executed_parameters(nb)
        if params.get("data") and params.get("period"):  # where the office's texts live
            folder = resolve_data_folder(params["data"])
            if not folder.is_dir():
                raise ParameterError(
                    f"找不到数据文件夹 {params['data']}(笔记本的 data 参数),"
                    "无法加入科室撰写的章节(texts/<报告期>.md);请在运行笔记本时的文件夹中导出。"
                )
            params["data"] = str(folder)
        return prepare_notebook(nb, params), resources
